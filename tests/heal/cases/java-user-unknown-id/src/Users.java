// java-user-unknown-id - GET /users/ID answers the user's name in capitals.
// PORT from the environment; a request that fails is answered 500 and its
// stack trace goes to standard error.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

public class Users {
    static final Map<String, String> NAMES = Map.of("1", "ada", "2", "grace");

    static String upper(String name) {
        return name.toUpperCase();
    }

    static void handle(HttpExchange ex) throws IOException {
        String id = ex.getRequestURI().getPath().substring("/users/".length());
        String name = NAMES.get(id);
        byte[] body = ("{\"name\": \"" + name.toUpperCase() + "\"}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        s.createContext("/users/", ex -> {
            try {
                handle(ex);
            } catch (RuntimeException e) {
                e.printStackTrace();
                ex.sendResponseHeaders(500, -1);
                ex.close();
            }
        });
        s.start();
    }
}
