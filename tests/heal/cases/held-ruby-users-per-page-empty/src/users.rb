# users.rb - paging of the user list.
module Users
  def self.page(all, page, per_page)
    { page: page, per_page: per_page, users: all.drop((page - 1) * per_page).first(per_page) }
  end
end
