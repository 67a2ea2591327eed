// TailLog: GET /tail?fileName=F&lines=N answers the last N lines of the log
// file F under $STATE_DIR/logs.  com.sun.net.httpserver; a failing request
// is logged with its stack trace and answered 500.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class TailLog {
    static Map<String, String> params(HttpExchange ex) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null)
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        return q;
    }

    static void handle(HttpExchange ex) throws IOException {
        int status = 200;
        String body;
        try {
            Map<String, String> q = params(ex);
            Path dir = Path.of(System.getenv().getOrDefault("STATE_DIR", "state"), "logs");
            int n = Integer.parseInt(q.getOrDefault("lines", "10"));
            body = Tail.json(Tail.lines(dir, q.get("fileName"), n));
        } catch (IOException e) {
            status = 404;
            body = "{\"error\": \"no such log\"}";
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
        s.createContext("/tail", TailLog::handle);
        s.start();
    }
}

class Tail {
    static List<String> lines(Path dir, String fileName, int n) throws IOException {
        Path file = dir.resolve(fileName.replace("/", "_"));
        List<String> all = Files.readAllLines(file);
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    static String json(List<String> lines) {
        StringBuilder sb = new StringBuilder("{\"lines\": [");
        for (int i = 0; i < lines.size(); i++)
            sb.append(i > 0 ? ", " : "").append('"').append(lines.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        return sb.append("]}").toString();
    }
}
