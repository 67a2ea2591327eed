<?php
declare(strict_types=1);
require __DIR__ . '/stats.php';

$s = cache_stats(['num_entries' => 3, 'num_hits' => 3, 'num_misses' => 1]);
if ($s['hit_rate'] !== 75.0 || $s['miss_rate'] !== 25.0) {
    fwrite(STDERR, "cache_stats\n");
    exit(1);
}
echo "1 passed\n";
