package main

// docID is the document id of /encrypted-data-vaults/VAULT/documents/DOC.
func docID(parts []string) string {
	return parts[3]
}
