# app.rb - GET /account?token=T answers the signed-in user's account settings.
# WEBrick with mount_proc; users and sessions come from $STATE_DIR/users.json.
require 'json'
require 'webrick'
require_relative 'users_controller'

state = ENV.fetch('STATE_DIR', 'state')
server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '3000')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount_proc('/account') do |req, res|
  res['Content-Type'] = 'application/json'
  begin
    users = JSON.parse(File.read(File.join(state, 'users.json')))
    res.body = JSON.generate(UsersController.new(users, req.query['token']).edit)
  rescue StandardError => e
    warn e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end
trap('TERM') { server.shutdown }
server.start
