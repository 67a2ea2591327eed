# sale_item.rb - one line of a sale or credit note, amounts in cents.
class SaleItem
  def initialize(attrs)
    @price = attrs['price']
    @quantity = attrs['quantity']
  end

  def amount
    -(@price * @quantity)
  end
end
