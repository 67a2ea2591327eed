public class MetaCatTest {
    public static void main(String[] args) {
        String r = Actions.dispatch(MetaCat.params("action=read&docid=knb.1.1"));
        if (!r.contains("Plant survey"))
            throw new AssertionError(r);
        if (!Actions.dispatch(MetaCat.params("action=ping")).equals("{\"ok\": true}"))
            throw new AssertionError("ping");
        System.out.println("2 passed");
    }
}
