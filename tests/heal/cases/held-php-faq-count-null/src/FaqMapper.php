<?php
declare(strict_types=1);

class FaqMapper
{
    private array $faqs;

    public function __construct(array $faqs)
    {
        $this->faqs = $faqs;
    }

    /** The FAQs of a category, or null when it has none. */
    public function getFaqsByCatId(int $catId): ?array
    {
        $found = array_values(array_filter($this->faqs, fn ($f) => $f['cat_id'] === $catId));
        return $found ?: null;
    }
}
