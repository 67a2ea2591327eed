<?php
// GET /apc.php: the cache's statistics (entries, hits, misses, hit and miss
// rates in percent).  The counters come from $STATE_DIR/cache.json.
declare(strict_types=1);
require __DIR__ . '/stats.php';

header('Content-Type: application/json');
$cache = json_decode(file_get_contents(getenv('STATE_DIR') . '/cache.json'), true);
echo json_encode(cache_stats($cache));
