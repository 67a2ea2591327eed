require 'minitest/autorun'
require_relative 'posts'

class TestPosts < Minitest::Test
  def test_card
    assert_equal 'Hello', Posts.card('hello')[:title]
  end
end
