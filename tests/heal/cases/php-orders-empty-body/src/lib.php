<?php
declare(strict_types=1);

const PRICES = ['tea' => 4.5, 'cake' => 3.0];

function order_total(array $items): float
{
    $sum = 0.0;
    foreach ($items as $it) {
        $sum += PRICES[$it['sku']] * $it['qty'];
    }
    return $sum;
}
