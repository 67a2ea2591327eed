# api.rb - GET /v1/users?page=P&per_page=N answers a page of users (25 a page
# by default).  WEBrick with mount_proc; errors are logged with their backtrace.
require 'json'
require 'webrick'
require_relative 'users'

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '3000')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount_proc('/v1/users') do |req, res|
  res['Content-Type'] = 'application/json'
  begin
    all = JSON.parse(File.read(File.join(ENV.fetch('STATE_DIR', 'state'), 'users.json')))
    page = Integer(req.query['page'] || 1)
    per_page = Integer(req.query['per_page'] || 25)
    res.body = JSON.generate(Users.page(all, page, per_page))
  rescue StandardError => e
    warn e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end
trap('TERM') { server.shutdown }
server.start
