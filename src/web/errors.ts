/** An error a reviewer should read: its status and message reach the page as they are. */
export class ReviewError extends Error {
  override name = 'ReviewError';
  constructor(
    readonly statusCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const notFound = (what: string) => new ReviewError(404, `${what} not found`);
