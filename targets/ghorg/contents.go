package ghorg

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// rawMediaType asks for a file's bytes (GitHub answers the contents and
// blob endpoints with Content-Type application/vnd.github.raw).
const rawMediaType = "application/vnd.github.raw+json"

// contentResult caches one contents read of a repository sweep.
type contentResult struct {
	data []byte
	err  error
}

// fileAt reads a file of the repository at a commit through the contents
// API, once per repository sweep (transient failures are not cached).
func (rs *repoSweep) fileAt(ctx context.Context, p, ref string) ([]byte, error) {
	key := p + "@" + ref
	if c, ok := rs.contents[key]; ok {
		return c.data, c.err
	}
	var segs []string
	for _, seg := range strings.Split(p, "/") {
		segs = append(segs, url.PathEscape(seg))
	}
	u := fmt.Sprintf("repos/%s/%s/contents/%s?ref=%s", url.PathEscape(rs.ri.Owner), url.PathEscape(rs.ri.Name), strings.Join(segs, "/"), url.QueryEscape(ref))
	data, err := rs.s.getRaw(ctx, u)
	if err == nil || !isTransient(err) {
		rs.contents[key] = contentResult{data, err}
	}
	return data, err
}

// getRaw GETs an API path with the raw media type and returns the file's
// bytes, whichever of GitHub's two shapes arrived.
func (s *Sweeper) getRaw(ctx context.Context, u string) ([]byte, error) {
	req, err := s.client.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", rawMediaType)
	resp, err := s.client.BareDo(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFileBytes*2+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return decodeBody(resp.Header.Get("Content-Type"), body)
}

// decodeBody checks what came back for a raw read: the bytes themselves
// (application/vnd.github.raw, octet-stream, text/plain), or the JSON
// envelope {"type": "file"|"blob", "encoding": "base64", "content": ...};
// anything else (an HTML error page, a directory listing, a file too large
// for the envelope) is an error.
func decodeBody(contentType string, body []byte) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, &permanentError{fmt.Errorf("response without a usable Content-Type (%q)", clip(contentType, 60))}
	}
	switch {
	case mt == "application/vnd.github.raw", mt == "application/vnd.github.v3.raw", mt == "application/octet-stream", mt == "text/plain":
		if len(body) > maxFileBytes*2 {
			return nil, &permanentError{fmt.Errorf("file larger than %d bytes", maxFileBytes*2)}
		}
		return body, nil
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) > 0 && trimmed[0] == '[' {
			return nil, &permanentError{fmt.Errorf("got a directory listing (JSON array), not a file")}
		}
		var env struct {
			Type     string  `json:"type"`
			Encoding string  `json:"encoding"`
			Content  *string `json:"content"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, &permanentError{fmt.Errorf("%s body is not a JSON object: %v", mt, err)}
		}
		if env.Content == nil {
			return nil, &permanentError{fmt.Errorf("JSON body without content (type %q)", clip(env.Type, 20))}
		}
		switch env.Encoding {
		case "base64":
			b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(*env.Content))
			if err != nil {
				return nil, &permanentError{fmt.Errorf("JSON body: content is not valid base64: %v", err)}
			}
			return b, nil
		case "utf-8":
			return []byte(*env.Content), nil
		case "none", "":
			return nil, &permanentError{fmt.Errorf("JSON body carries no content (encoding %q: file too large for the JSON shape)", env.Encoding)}
		}
		return nil, &permanentError{fmt.Errorf("JSON body with unknown encoding %q", clip(env.Encoding, 20))}
	}
	return nil, &permanentError{fmt.Errorf("unexpected Content-Type %q for a file read", clip(mt, 60))}
}
