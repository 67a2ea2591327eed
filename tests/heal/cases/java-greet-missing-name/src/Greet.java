// Greet: GET /greet?name=N answers {"greeting": "Hello, N"}.
// com.sun.net.httpserver; a failing request is logged and answered 500.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

public class Greet {
    static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getQuery();
        if (raw != null)
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], p.length > 1 ? p[1] : "");
            }
        return q;
    }

    static String greeting(String name) {
        return "Hello, " + name.trim();
    }

    static void handle(HttpExchange ex) throws IOException {
        int status = 200;
        String body;
        try {
            String name = query(ex).get("name");
            body = "{\"greeting\": \"" + greeting(name) + "\"}";
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
        s.createContext("/greet", Greet::handle);
        s.start();
    }
}
