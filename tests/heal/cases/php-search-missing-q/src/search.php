<?php
// php-search-missing-q - GET /search.php?q=WORD: the products whose name
// has WORD.  Served with php -S; errors go to the server's log.
declare(strict_types=1);

header('Content-Type: application/json');
$products = ['green tea', 'black tea', 'cake'];
$q = strtolower(trim($_GET['q']));
$hits = array_values(array_filter($products, fn ($p) => $q !== '' && str_contains($p, $q)));
echo json_encode(['q' => $q, 'hits' => $hits]);
