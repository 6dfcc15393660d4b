import { faultMatrix } from '../support/fault-matrix.js';

// Every fault against every Alibaba Cloud RDS operation kind: nothing submitted twice, lost, or told twice.
faultMatrix(['alibaba']);
