<?php
declare(strict_types=1);
require __DIR__ . '/lib.php';

if (slugify('Green Tea, 50 g') !== 'green-tea-50-g') {
    fwrite(STDERR, "slugify\n");
    exit(1);
}
echo "1 passed\n";
