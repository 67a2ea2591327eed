public class GreetTest {
    public static void main(String[] args) {
        if (!Greet.greeting(" ada ").equals("Hello, ada"))
            throw new AssertionError("greeting");
        System.out.println("1 passed");
    }
}
