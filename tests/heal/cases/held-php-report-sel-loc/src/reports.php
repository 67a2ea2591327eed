<?php
declare(strict_types=1);

function location_report(array $tickets, string $loc): array
{
    $mine = array_values(array_filter($tickets, fn ($t) => (string) $t['location'] === $loc));
    return ['location' => $loc, 'tickets' => count($mine),
            'open' => count(array_filter($mine, fn ($t) => $t['status'] !== 'closed'))];
}
