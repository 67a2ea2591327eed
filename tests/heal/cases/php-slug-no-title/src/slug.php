<?php
// POST /slug.php with a form field title: the title's URL slug.
declare(strict_types=1);
require __DIR__ . '/lib.php';

header('Content-Type: application/json');
echo json_encode(['slug' => slugify($_POST['title'] ?? null)]);
