require 'minitest/autorun'
require_relative 'paging'

class TestPaging < Minitest::Test
  def test_pages
    p = Paging.new(25, 2, 10)
    assert_equal 3, p.total_pages
    assert_equal 10, p.offset
  end
end
