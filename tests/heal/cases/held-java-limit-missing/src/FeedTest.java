public class FeedTest {
    public static void main(String[] args) {
        if (!Feed.latest(1).equals("{\"entries\": [\"avans 0.1 released\"]}"))
            throw new AssertionError(Feed.latest(1));
        System.out.println("1 passed");
    }
}
