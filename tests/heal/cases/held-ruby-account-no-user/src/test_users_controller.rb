require 'minitest/autorun'
require_relative 'users_controller'

class TestUsersController < Minitest::Test
  USERS = { 'sessions' => { 't1' => 'peter' },
            'people' => { 'peter' => { 'name' => 'Peter', 'email' => 'peter@example.com' } } }.freeze

  def test_edit
    assert_equal 'Peter', UsersController.new(USERS, 't1').edit[:name]
  end
end
