// The project's own test: java UsersTest.java (exits non-zero on failure).
public class UsersTest {
    public static void main(String[] args) {
        if (!"ADA".equals(Users.upper(Users.NAMES.get("1"))))
            throw new AssertionError("upper(ada) is not ADA");
        System.out.println("ok");
    }
}
