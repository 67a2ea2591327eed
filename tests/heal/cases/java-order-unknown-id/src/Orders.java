// Orders: GET /orders/ID answers the order's summary.
// com.sun.net.httpserver; a failing request is logged and answered 500.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

public class Orders {
    record Order(String id, String item, int qty) {}

    static final Map<String, Order> ORDERS = Map.of(
        "A1", new Order("A1", "tea", 2),
        "B7", new Order("B7", "cake", 1));

    static String summary(Order o) {
        return "{\"id\": \"" + o.id() + "\", \"line\": \"" + o.qty() + " x " + o.item() + "\"}";
    }

    static void handle(HttpExchange ex) throws IOException {
        int status = 200;
        String body;
        try {
            String id = ex.getRequestURI().getPath().substring("/orders/".length());
            Order o = ORDERS.get(id);
            body = summary(o);
        } catch (RuntimeException e) {
            e.printStackTrace();
            status = 500;
            body = "{\"error\": \"internal server error\"}";
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        s.createContext("/orders/", Orders::handle);
        s.start();
    }
}
