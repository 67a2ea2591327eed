# users_controller.rb - the account page of the signed-in user.
class UsersController
  def initialize(users, token)
    @users = users
    @token = token
  end

  def current_user
    @users['sessions'][@token.to_s] && @users['people'][@users['sessions'][@token.to_s]]
  end

  def edit
    user = current_user
    { name: user['name'], email: user['email'], newsletter: user.fetch('newsletter', false) }
  end
end
