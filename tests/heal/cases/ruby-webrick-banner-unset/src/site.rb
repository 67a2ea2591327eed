# site.rb - GET /banner answers the configured banner (BANNER_TEXT).
# WEBrick, one servlet; errors are logged with their backtrace.
require 'json'
require 'webrick'
require_relative 'banner'

class BannerServlet < WEBrick::HTTPServlet::AbstractServlet
  def do_GET(req, res)
    res['Content-Type'] = 'application/json'
    res.body = JSON.generate(Banner.render(ENV['BANNER_TEXT']))
  rescue StandardError => e
    warn e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '8080')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount('/banner', BannerServlet)
trap('TERM') { server.shutdown }
server.start
