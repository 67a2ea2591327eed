<?php
// The project's own test: php test_search.php (exits 1 on failure).
$_GET['q'] = 'Tea';
ob_start();
include __DIR__ . '/search.php';
$out = json_decode(ob_get_clean(), true);
if ($out['hits'] !== ['green tea', 'black tea']) {
    fwrite(STDERR, "search for Tea: " . json_encode($out) . "\n");
    exit(1);
}
echo "ok\n";
