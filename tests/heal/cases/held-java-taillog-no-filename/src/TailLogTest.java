import java.nio.file.Files;
import java.nio.file.Path;

public class TailLogTest {
    public static void main(String[] args) throws Exception {
        Path d = Files.createTempDirectory("tail");
        Files.write(d.resolve("a.log"), java.util.List.of("one", "two", "three"));
        if (!Tail.lines(d, "a.log", 2).equals(java.util.List.of("two", "three")))
            throw new AssertionError("tail");
        System.out.println("1 passed");
    }
}
