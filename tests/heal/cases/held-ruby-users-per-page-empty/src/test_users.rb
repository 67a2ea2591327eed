require 'minitest/autorun'
require_relative 'users'

class TestUsers < Minitest::Test
  def test_page
    assert_equal %w[c], Users.page(%w[a b c], 2, 2)[:users]
  end
end
