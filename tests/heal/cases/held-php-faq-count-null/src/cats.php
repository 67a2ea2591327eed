<?php
// GET /cats.php: the FAQ categories and how many questions each has.
// Categories and FAQs come from $STATE_DIR/faq.json.
declare(strict_types=1);
require __DIR__ . '/FaqMapper.php';

header('Content-Type: application/json');
$data = json_decode(file_get_contents(getenv('STATE_DIR') . '/faq.json'), true);
$faqMapper = new FaqMapper($data['faqs']);
$out = [];
foreach ($data['categories'] as $cat) {
    $countFaqs = count($faqMapper->getFaqsByCatId($cat['id']));
    $out[] = ['id' => $cat['id'], 'title' => $cat['title'], 'faqs' => $countFaqs];
}
echo json_encode(['categories' => $out]);
