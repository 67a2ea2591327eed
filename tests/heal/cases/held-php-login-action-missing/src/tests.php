<?php
declare(strict_types=1);

foreach (['logout' => 'logout', 'callback' => 'callback', 'other' => 'form'] as $action => $step) {
    $_GET = ['action' => $action];
    ob_start();
    include __DIR__ . '/login.php';
    $out = json_decode(ob_get_clean(), true);
    if ($out['step'] !== $step) {
        fwrite(STDERR, "action $action\n");
        exit(1);
    }
}
echo "3 passed\n";
