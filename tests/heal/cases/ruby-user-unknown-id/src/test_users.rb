require 'minitest/autorun'
require_relative 'users'

class TestUsers < Minitest::Test
  def test_known
    status, _, body = Users.new.call('PATH_INFO' => '/users/1')
    assert_equal 200, status
    assert_equal '{"name":"Ada"}', body.join
  end
end
