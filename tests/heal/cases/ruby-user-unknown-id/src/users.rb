# users.rb - a Rack-style app: GET /users/ID answers the user's name.
require 'json'

class Users
  USERS = { '1' => { name: 'ada' }, '2' => { name: 'grace' } }.freeze

  def call(env)
    id = env['PATH_INFO'].split('/').last
    user = USERS[id]
    [200, { 'content-type' => 'application/json' }, [JSON.generate(name: user.fetch(:name).capitalize)]]
  end
end
