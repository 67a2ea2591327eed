// Blog: GET /posts?page=P answers one page of posts (3 a page).
// com.sun.net.httpserver; the request wrapper reads typed query values.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class Blog {
    static final List<String> POSTS = List.of("Hello", "Blade 1.5", "Routing", "Templates", "Plugins");

    static String page(Request req) {
        int page = req.queryAsInt("page", 1);
        int from = Math.min(POSTS.size(), Math.max(0, (page - 1) * 3));
        List<String> items = POSTS.subList(from, Math.min(POSTS.size(), from + 3));
        return "{\"page\": " + page + ", \"posts\": [\"" + String.join("\", \"", items) + "\"]}";
    }

    static void handle(HttpExchange ex) throws IOException {
        int status = 200;
        String body;
        try {
            body = page(new Request(ex.getRequestURI().getRawQuery()));
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
        s.createContext("/posts", Blog::handle);
        s.start();
    }
}

class Request {
    private final Map<String, String> query = new HashMap<>();

    Request(String raw) {
        if (raw != null)
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                query.put(p[0], p.length > 1 ? p[1] : "");
            }
    }

    int queryAsInt(String name, int dflt) {
        String v = query.get(name);
        return v == null ? dflt : Integer.valueOf(v);
    }
}
