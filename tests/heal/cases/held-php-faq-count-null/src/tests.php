<?php
declare(strict_types=1);
require __DIR__ . '/FaqMapper.php';

$m = new FaqMapper([['cat_id' => 1, 'q' => 'a'], ['cat_id' => 1, 'q' => 'b']]);
if (count($m->getFaqsByCatId(1)) !== 2 || $m->getFaqsByCatId(2) !== null) {
    fwrite(STDERR, "getFaqsByCatId\n");
    exit(1);
}
echo "1 passed\n";
