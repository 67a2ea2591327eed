<?php
declare(strict_types=1);
require __DIR__ . '/lib.php';

if (order_total([['sku' => 'tea', 'qty' => 2]]) !== 9.0) {
    fwrite(STDERR, "order_total\n");
    exit(1);
}
echo "1 passed\n";
