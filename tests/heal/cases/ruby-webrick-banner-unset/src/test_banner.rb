require 'minitest/autorun'
require_relative 'banner'

class TestBanner < Minitest::Test
  def test_render
    assert_equal 'SALE', Banner.render('sale')[:banner]
  end
end
