import { Injectable } from '@nestjs/common';

/** Set when shutdown begins: readiness turns 503 so load balancers stop sending traffic. */
@Injectable()
export class DrainState {
  draining = false;
}
