<?php
declare(strict_types=1);
require __DIR__ . '/reports.php';

$t = [['location' => 2, 'status' => 'new'], ['location' => 2, 'status' => 'closed'],
      ['location' => 3, 'status' => 'new']];
if (location_report($t, '2') !== ['location' => '2', 'tickets' => 2, 'open' => 1]) {
    fwrite(STDERR, "location_report\n");
    exit(1);
}
echo "1 passed\n";
