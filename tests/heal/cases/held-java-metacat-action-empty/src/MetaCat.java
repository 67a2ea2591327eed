// MetaCat: GET /metacat?action=A&docid=D -- "read" answers a document's
// metadata, "ping" answers ok.  The request's parameters are passed on as a
// map of arrays (one array per known parameter, empty when not sent).
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class MetaCat {
    static final String[] KNOWN = {"action", "docid", "qformat"};

    static Map<String, String[]> params(String raw) {
        Map<String, List<String>> acc = new HashMap<>();
        for (String k : KNOWN)
            acc.put(k, new ArrayList<>());
        if (raw != null)
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                if (acc.containsKey(p[0]))
                    acc.get(p[0]).add(p.length > 1 ? p[1] : "");
            }
        Map<String, String[]> out = new HashMap<>();
        acc.forEach((k, v) -> out.put(k, v.toArray(new String[0])));
        return out;
    }

    static void handle(HttpExchange ex) throws IOException {
        int status = 200;
        String body;
        try {
            body = Actions.dispatch(params(ex.getRequestURI().getRawQuery()));
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
        s.createContext("/metacat", MetaCat::handle);
        s.start();
    }
}

class Actions {
    static final Map<String, String> DOCS = Map.of("knb.1.1", "Plant survey, Sedgwick 2001");

    static String dispatch(Map<String, String[]> params) {
        String action = params.get("action")[0];
        if (action.equals("ping"))
            return "{\"ok\": true}";
        if (action.equals("read")) {
            String id = params.get("docid").length > 0 ? params.get("docid")[0] : "";
            String title = DOCS.get(id);
            return title == null ? "{\"error\": \"no such document\"}" : "{\"docid\": \"" + id + "\", \"title\": \"" + title + "\"}";
        }
        return "{\"error\": \"unknown action\"}";
    }
}
