# catalog.rb - GET /catalog?q=Q&page=P&per_page=N answers one page of the
# search results and the number of pages.  WEBrick; records in $STATE_DIR.
require 'json'
require 'webrick'
require_relative 'paging'

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: Integer(ENV.fetch('PORT', '3000')),
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount_proc('/catalog') do |req, res|
  res['Content-Type'] = 'application/json'
  begin
    docs = JSON.parse(File.read(File.join(ENV.fetch('STATE_DIR', 'state'), 'records.json')))
    q = req.query['q'].to_s.downcase
    hits = docs.select { |d| d['title'].downcase.include?(q) }
    page = Paging.new(hits.size, req.query.fetch('page', '1').to_i, req.query.fetch('per_page', '10').to_i)
    res.body = JSON.generate(total: hits.size, pages: page.total_pages, page: page.current,
                             docs: hits[page.offset, page.limit] || [])
  rescue StandardError => e
    warn e.full_message(highlight: false)
    res.status = 500
    res.body = '{"error":"internal server error"}'
  end
end
trap('TERM') { server.shutdown }
server.start
