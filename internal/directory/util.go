package directory

import (
	"time"

	"partnerhub/internal/web"
)

func london() *time.Location { return web.London() }
