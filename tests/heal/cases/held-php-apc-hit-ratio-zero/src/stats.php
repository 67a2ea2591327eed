<?php
declare(strict_types=1);

function cache_stats(array $cache): array
{
    $hits = $cache['num_hits'];
    $misses = $cache['num_misses'];
    return [
        'entries' => $cache['num_entries'],
        'hits' => $hits,
        'misses' => $misses,
        'hit_rate' => round($hits * 100 / ($hits + $misses), 1),
        'miss_rate' => round($misses * 100 / ($hits + $misses), 1),
    ];
}
