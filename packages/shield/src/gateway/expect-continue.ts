import type { IncomingMessage, ServerResponse } from 'node:http';

const PENDING = Symbol('portcullis.expectContinue');

type Marked = IncomingMessage & { [PENDING]?: boolean };

/**
 * `Expect: 100-continue` handling shared by `createHttpServer` and the gateway: the server marks
 * the request instead of letting Node answer 100 at once, and the gateway sends the 100 only when
 * it is about to read the body, so a refused request (401, 413, ...) never gets its body sent.
 */
export const expectContinue = {
  /** Marks a request whose client waits for 100 Continue before sending its body. */
  mark(req: IncomingMessage): void {
    (req as Marked)[PENDING] = true;
  },
  /** Sends 100 Continue if the request was marked and it has not been sent yet. */
  release(req: IncomingMessage, res: ServerResponse): void {
    const marked = req as Marked;
    if (marked[PENDING] === true) {
      marked[PENDING] = false;
      res.writeContinue();
    }
  },
};
