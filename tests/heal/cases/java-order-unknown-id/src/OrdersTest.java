public class OrdersTest {
    public static void main(String[] args) {
        String s = Orders.summary(Orders.ORDERS.get("A1"));
        if (!s.contains("2 x tea"))
            throw new AssertionError(s);
        System.out.println("1 passed");
    }
}
