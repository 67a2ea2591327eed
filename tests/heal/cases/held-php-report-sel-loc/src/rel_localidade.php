<?php
// GET /rel_localidade.php?sel_loc=ID: the tickets of one location.
// Tickets come from $STATE_DIR/tickets.json.
declare(strict_types=1);
require __DIR__ . '/reports.php';

header('Content-Type: application/json');
$tickets = json_decode(file_get_contents(getenv('STATE_DIR') . '/tickets.json'), true);
$id_loc = $_GET['sel_loc'];
echo json_encode(location_report($tickets, $id_loc));
