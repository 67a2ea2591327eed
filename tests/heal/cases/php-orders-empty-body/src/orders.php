<?php
// POST /orders.php {"items": [{"sku", "qty"}]}: the order's total.
declare(strict_types=1);
require __DIR__ . '/lib.php';

header('Content-Type: application/json');
$order = json_decode(file_get_contents('php://input'), true);
echo json_encode(['total' => order_total($order['items'])]);
