public class BlogTest {
    public static void main(String[] args) {
        if (!Blog.page(new Request("page=2")).equals("{\"page\": 2, \"posts\": [\"Templates\", \"Plugins\"]}"))
            throw new AssertionError(Blog.page(new Request("page=2")));
        if (new Request(null).queryAsInt("page", 1) != 1)
            throw new AssertionError("default");
        System.out.println("2 passed");
    }
}
