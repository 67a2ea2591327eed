require 'minitest/autorun'
require_relative 'tags'

class TestTags < Minitest::Test
  def test_normalize
    assert_equal 'green-tea', Tags.normalize(' Green Tea ')
  end
end
