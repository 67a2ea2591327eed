# paging.rb - page arithmetic for a result list.
class Paging
  attr_reader :current, :limit

  def initialize(total, current, per_page)
    @total = total
    @current = [current, 1].max
    @limit = per_page
  end

  def total_pages
    (@total + @limit - 1) / @limit
  end

  def offset
    (@current - 1) * @limit
  end
end
