<?php
// GET /login.php?action=A: the login page's step -- "logout" signs out,
// "callback" finishes the single sign-on, anything else shows the login form.
declare(strict_types=1);

header('Content-Type: application/json');
switch (strtolower($_GET['action'])) {
    case 'logout':
        echo json_encode(['step' => 'logout', 'redirect' => '/']);
        break;
    case 'callback':
        echo json_encode(['step' => 'callback', 'redirect' => '/wp-admin/']);
        break;
    default:
        echo json_encode(['step' => 'form', 'fields' => ['user', 'password']]);
}
