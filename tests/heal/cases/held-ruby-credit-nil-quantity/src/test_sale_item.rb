require 'minitest/autorun'
require_relative 'sale_item'

class TestSaleItem < Minitest::Test
  def test_credit_is_negative
    assert_equal(-600, SaleItem.new('price' => 300, 'quantity' => 2).amount)
  end
end
