require 'minitest/autorun'
require_relative 'location'

class TestLocation < Minitest::Test
  def test_show
    all = [{ 'slug' => 'a', 'name' => 'A', 'address' => '1 Main St' }]
    assert_equal 'call ahead', Location.show(all, 'a')[:hours]
  end
end
