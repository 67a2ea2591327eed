// Feed: GET /entries?limit=N answers the N latest entries.
// com.sun.net.httpserver, one handler method; errors are logged and answered 500.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class Feed {
    static final List<String> ENTRIES = List.of("avans 0.1 released", "routing notes", "a bug in the filter", "benchmarks");

    static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null)
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], p.length > 1 ? p[1] : "");
            }
        return q;
    }

    static String latest(int limit) {
        List<String> items = ENTRIES.subList(0, Math.min(limit, ENTRIES.size()));
        return "{\"entries\": [\"" + String.join("\", \"", items) + "\"]}";
    }

    static void entries(HttpExchange ex) throws IOException {
        int status = 200;
        String body;
        try {
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            int limit = Integer.parseInt(q.get("limit"));
            body = latest(limit);
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
        s.createContext("/entries", Feed::entries);
        s.start();
    }
}
